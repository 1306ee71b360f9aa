<?php
// A line echo server for many clients at once. Run: php server.php
// Check: workbench exercise check socket-echo-server -- php server.php

$listener = stream_socket_server("tcp://127.0.0.1:25004", $errno, $errstr);
if (!$listener) {
    fwrite(STDERR, "cannot listen: $errstr\n");
    exit(1);
}
$clients = [];  // id => stream
$buffers = [];  // id => bytes read but not yet a whole line

while (true) {
    $readable = array_merge([$listener], $clients);
    $write = $except = null;
    stream_select($readable, $write, $except, null);
    foreach ($readable as $stream) {
        if ($stream === $listener) {
            // TODO: stream_socket_accept the client, add it to $clients with an empty buffer.
        } else {
            // TODO: fread from it; "" or false means it closed (fclose, forget it).
            // Add what came to its buffer and fwrite back every whole line ending in "\n".
        }
    }
}
