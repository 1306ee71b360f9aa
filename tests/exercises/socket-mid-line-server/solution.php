<?php
// The echo server of socket-echo-server already survives clients vanishing mid-line: it drops
// a client whose read brings "" or false, and silences the reset warning.
$port = 25006;
require __DIR__ . "/../socket-echo-server/solution.php";
