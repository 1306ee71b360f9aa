<?php
// Correct, in an unusual style: socket_* with socket_select for the wait, the timeout reported on standard error.
// expect: PASS
$socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_connect($socket, '127.0.0.1', 25005);
socket_write($socket, "ping\n");
$read = [$socket];
$write = $except = null;
if (socket_select($read, $write, $except, 2) === 0) {
    fwrite(STDERR, "timeout: no answer from 127.0.0.1:25005 within 2 s\n");
    exit(1);
}
$line = '';
while (!str_ends_with($line, "\n") && ($chunk = socket_read($socket, 1024)) !== false && $chunk !== '') {
    $line .= $chunk;
}
echo rtrim($line, "\n"), "\n";
