<?php
// Broken on purpose: it times out, but says nothing about it and exits with code 0, so a script
// calling it believes all went well.
$client = stream_socket_client("tcp://127.0.0.1:25005", $errno, $errstr, 5);
stream_set_timeout($client, 2);
fwrite($client, "ping\n");
echo fgets($client);
