<?php
// Correct, in an unusual style: socket_* with SO_RCVTIMEO (as the notes teach and the PHP starter begins), a binary read that gives false at the timeout (PHP_NORMAL_READ would ignore the timeout).
// expect: PASS
$socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
if (!socket_connect($socket, '127.0.0.1', 25005)) {
    echo 'cannot connect: ', socket_strerror(socket_last_error($socket)), "\n";
    exit(1);
}
socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
socket_write($socket, "ping\n");
$line = '';
while (!str_ends_with($line, "\n")) {
    $chunk = @socket_read($socket, 4096, PHP_BINARY_READ);
    if ($chunk === false) {
        echo "timeout: no answer from 127.0.0.1:25005 within 2 s\n";
        exit(1);
    }
    if ($chunk === '') {
        break;
    }
    $line .= $chunk;
}
echo rtrim($line, "\r\n"), "\n";
