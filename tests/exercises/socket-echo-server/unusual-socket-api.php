<?php
// Correct, in an unusual style: PHP's socket_* API (as the notes teach) with socket_select and a buffer per client.
// expect: PASS
$port ??= 25004;  // socket-mid-line-server runs this same server on its own port
$listener = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_option($listener, SOL_SOCKET, SO_REUSEADDR, 1);
socket_bind($listener, '127.0.0.1', $port);
socket_listen($listener, 128);
$clients = [];
$buffers = [];
while (true) {
    $read = array_merge([$listener], $clients);
    $write = $except = null;
    socket_select($read, $write, $except, null);
    foreach ($read as $socket) {
        if ($socket === $listener) {
            $client = socket_accept($listener);
            $clients[spl_object_id($client)] = $client;
            $buffers[spl_object_id($client)] = '';
            continue;
        }
        $id = spl_object_id($socket);
        $data = @socket_read($socket, 65536, PHP_BINARY_READ);
        if ($data === '' || $data === false) {
            socket_close($socket);
            unset($clients[$id], $buffers[$id]);
            continue;
        }
        $buffers[$id] .= $data;
        while (($end = strpos($buffers[$id], "\n")) !== false) {
            socket_write($socket, substr($buffers[$id], 0, $end + 1));
            $buffers[$id] = substr($buffers[$id], $end + 1);
        }
    }
}
