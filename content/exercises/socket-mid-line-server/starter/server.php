<?php
// A line echo server that survives clients vanishing mid-line. Run: php server.php
// Check: workbench exercise check socket-mid-line-server -- php server.php
// With PHP's sockets extension (socket_*), as the notes teach; the stream alternative is
// stream_socket_server, stream_select, stream_socket_accept, fread and fwrite.

$listener = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_option($listener, SOL_SOCKET, SO_REUSEADDR, 1);
if (!@socket_bind($listener, '127.0.0.1', 25006) || !socket_listen($listener, 128)) {
    fwrite(STDERR, 'cannot listen on 127.0.0.1:25006: ' . socket_strerror(socket_last_error($listener)) . "\n");
    exit(1);
}
$clients = [];  // id => socket
$buffers = [];  // id => bytes read but not yet a whole line

while (true) {
    $readable = array_merge([$listener], $clients);
    $write = $except = null;
    socket_select($readable, $write, $except, null);
    foreach ($readable as $socket) {
        if ($socket === $listener) {
            // TODO: socket_accept the client, add it to $clients (by spl_object_id) with an
            // empty buffer.
        } else {
            // TODO: @socket_read($socket, 65536, PHP_BINARY_READ) (the @ silences the reset
            // warning); "" or false means it vanished: socket_close it, forget it and its half
            // line, and carry on. Add what came to its buffer and socket_write back every whole
            // line ending in "\n".
        }
    }
}
