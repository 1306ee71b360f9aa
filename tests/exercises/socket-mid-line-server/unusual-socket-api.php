<?php
// Correct, in an unusual style: the socket_* server of socket-echo-server (as the notes teach and the PHP starter begins), which drops a client whose read brings "" or false.
// expect: PASS
$port = 25006;
require __DIR__ . "/../socket-echo-server/unusual-socket-api.php";
