<?php
// A line echo server for many clients at once in one process: socket_select waits on every
// socket together and says which are ready. Nothing may block: each client has its own buffers.
// Run: php select_server.php [port]
$port = (int) ($argv[1] ?? 25004);

$listener = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_option($listener, SOL_SOCKET, SO_REUSEADDR, 1);
if (!socket_bind($listener, '127.0.0.1', $port)) {
    fwrite(STDERR, "bind 127.0.0.1:$port: " . socket_strerror(socket_last_error($listener)) . "\n");
    exit(1);
}
socket_listen($listener, 128);
socket_set_nonblock($listener);

$clients = [];  // id => socket
$unread = [];   // id => what came in after the last whole line
$unsent = [];   // id => echoes the client has not taken yet

// A non-blocking call that had nothing to do says so with false and EAGAIN: not an error.
function would_block($socket): bool
{
    return socket_last_error($socket) === SOCKET_EAGAIN;
}

function forget(int $id): void
{
    global $clients, $unread, $unsent;
    socket_close($clients[$id]);
    unset($clients[$id], $unread[$id], $unsent[$id]);
}

while (true) {
    $read = array_merge([$listener], array_values($clients));
    // Ask to write only where something waits to be written: a socket is almost always
    // writable, and asking for all of them makes the loop spin at full CPU.
    $write = [];
    foreach ($unsent as $id => $bytes) {
        if ($bytes !== '') {
            $write[] = $clients[$id];
        }
    }
    $except = null;
    // The timeout: null waits until a socket is ready; 0 only looks and returns at once;
    // 1 (and a fifth argument, microseconds) waits at most that long.
    if (socket_select($read, $write, $except, null) === false) {
        continue;   // interrupted by a signal
    }
    foreach ($read as $socket) {
        if ($socket === $listener) {
            $client = socket_accept($listener);
            if ($client !== false) {
                socket_set_nonblock($client);
                $id = spl_object_id($client);
                $clients[$id] = $client;
                $unread[$id] = $unsent[$id] = '';
            }
            continue;
        }
        $id = spl_object_id($socket);
        $data = @socket_read($socket, 65536, PHP_BINARY_READ);
        if ($data === '' || ($data === false && !would_block($socket))) {
            forget($id);    // the client closed, or vanished (a reset)
            continue;
        }
        $unread[$id] .= (string) $data;
        $end = strrpos($unread[$id], "\n");
        if ($end !== false) {   // every whole line goes back, half a line waits for the rest
            $unsent[$id] .= substr($unread[$id], 0, $end + 1);
            $unread[$id] = substr($unread[$id], $end + 1);
        }
    }
    foreach ($write as $socket) {
        $id = spl_object_id($socket);
        if (!isset($clients[$id])) {
            continue;
        }
        $written = @socket_write($socket, $unsent[$id]);
        if ($written === false && !would_block($socket)) {
            forget($id);
        } elseif ($written !== false) {
            $unsent[$id] = substr($unsent[$id], $written);  // the rest goes next time round
        }
    }
}
