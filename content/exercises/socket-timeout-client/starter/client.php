<?php
// A client with a read timeout. Run: php client.php
// Check: workbench exercise check socket-timeout-client -- php client.php

$client = stream_socket_client("tcp://127.0.0.1:25005", $errno, $errstr, 5);
if (!$client) {
    echo "cannot connect: $errstr\n";
    exit(1);
}
// TODO: stream_set_timeout($client, 2), then send "ping\n" and read one line with fgets.
// If stream_get_meta_data($client)['timed_out'] is true, print
// "timeout: no answer from 127.0.0.1:25005 within 2 s" and exit(1).
