<?php
// A line echo server with PHP's socket extension, one client at a time.
// Run: php blocking_server.php [port]        then, in another terminal: nc 127.0.0.1 25003
$port = (int) ($argv[1] ?? 25003);

function fail(string $step, $socket = null): never
{
    // false from a socket_* call; the reason is a code, and socket_strerror gives its text.
    $code = $socket ? socket_last_error($socket) : socket_last_error();
    fwrite(STDERR, "$step: " . socket_strerror($code) . "\n");
    exit(1);
}

$listener = socket_create(AF_INET, SOCK_STREAM, SOL_TCP) or fail('socket_create');
// Without it, a restart within a minute of a stop fails: "Address already in use" (TIME_WAIT).
socket_set_option($listener, SOL_SOCKET, SO_REUSEADDR, 1);
socket_bind($listener, '127.0.0.1', $port) or fail("bind 127.0.0.1:$port", $listener);
// The backlog: how many connections the kernel completes and keeps until we accept them.
socket_listen($listener, 128) or fail('listen', $listener);

while (true) {
    $client = socket_accept($listener);     // waits for a client
    if ($client === false) {
        continue;
    }
    $buffer = '';
    // Serves this client until it closes; meanwhile every other client waits.
    while (true) {
        $data = socket_read($client, 65536, PHP_BINARY_READ);
        if ($data === false || $data === '') {  // an error, or '' when the client closed
            break;
        }
        $buffer .= $data;                   // TCP carries bytes: keep them, answer whole lines
        while (($end = strpos($buffer, "\n")) !== false) {
            socket_write($client, substr($buffer, 0, $end + 1));
            $buffer = substr($buffer, $end + 1);
        }
    }
    socket_close($client);
}
