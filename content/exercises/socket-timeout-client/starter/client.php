<?php
// A client with a read timeout. Run: php client.php
// Check: workbench exercise check socket-timeout-client -- php client.php
// With PHP's sockets extension (socket_*), as the notes teach; the stream alternative is
// stream_socket_client, stream_set_timeout and stream_get_meta_data($client)['timed_out'].

$socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
if (!socket_connect($socket, '127.0.0.1', 25005)) {
    echo 'cannot connect: ', socket_strerror(socket_last_error($socket)), "\n";
    exit(1);
}
// TODO: socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]),
// then socket_write "ping\n" and read until "\n" with socket_read($socket, 4096, PHP_BINARY_READ)
// (PHP_NORMAL_READ ignores SO_RCVTIMEO and waits forever). If a read gives false (the
// timeout passed), print
// "timeout: no answer from 127.0.0.1:25005 within 2 s" and exit(1).
