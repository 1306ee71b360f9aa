<?php
// A client that gives up on a silent server instead of hanging: a receive timeout on its socket.
// Run: php timeout_client.php [port]
$port = (int) ($argv[1] ?? 25005);

$socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
if (!@socket_connect($socket, '127.0.0.1', $port)) {
    echo "cannot connect to 127.0.0.1:$port: ", socket_strerror(socket_last_error($socket)), "\n";
    exit(1);
}
// A read waits at most 2 s, and so does a write to a server that takes nothing. (Or
// socket_set_nonblock and socket_select with a timeout; with streams: stream_set_timeout.)
socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
socket_set_option($socket, SOL_SOCKET, SO_SNDTIMEO, ['sec' => 2, 'usec' => 0]);
socket_write($socket, "ping\n");

$line = '';
while (!str_ends_with($line, "\n")) {
    // PHP_BINARY_READ: false when the timeout passes. (PHP_NORMAL_READ, which reads up to a
    // newline, ignores SO_RCVTIMEO and would wait for ever.)
    $chunk = @socket_read($socket, 4096, PHP_BINARY_READ);
    if ($chunk === false) {
        echo "timeout: no answer from 127.0.0.1:$port within 2 s\n";
        exit(1);
    }
    if ($chunk === '') {    // the server closed before a whole line
        break;
    }
    $line .= $chunk;
}
socket_close($socket);
echo rtrim($line, "\r\n"), "\n";
