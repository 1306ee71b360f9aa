<?php
// A line echo server with a process per client: the blocking server, with each accepted client
// handed to a child made by pcntl_fork.
// Run: php fork_server.php [port]
$port = (int) ($argv[1] ?? 25004);

$listener = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_option($listener, SOL_SOCKET, SO_REUSEADDR, 1);
if (!socket_bind($listener, '127.0.0.1', $port)) {
    fwrite(STDERR, "bind 127.0.0.1:$port: " . socket_strerror(socket_last_error($listener)) . "\n");
    exit(1);
}
socket_listen($listener, 128);

function serve($client): void
{
    $buffer = '';
    while (($data = socket_read($client, 65536, PHP_BINARY_READ)) !== false && $data !== '') {
        $buffer .= $data;
        while (($end = strpos($buffer, "\n")) !== false) {
            socket_write($client, substr($buffer, 0, $end + 1));
            $buffer = substr($buffer, $end + 1);
        }
    }
}

while (true) {
    // A child that has exited stays a zombie until its exit status is collected. WNOHANG
    // collects the finished ones and returns at once. A blocking pcntl_wait() here would wait
    // for the child just started to finish before the next accept: one client at a time again.
    while (pcntl_waitpid(-1, $status, WNOHANG) > 0) {
    }
    // Wait at most a second for a client, so finished children are collected even when
    // nobody connects.
    $ready = [$listener];
    $none = null;
    if (socket_select($ready, $none, $none, 1) < 1) {
        continue;
    }
    $client = socket_accept($listener);
    if ($client === false) {
        continue;
    }
    $pid = pcntl_fork();
    if ($pid === 0) {
        // The child has a copy of every descriptor of its parent: it closes the listener, which
        // is not its own, serves its client and exits.
        socket_close($listener);
        serve($client);
        socket_close($client);
        exit(0);
    }
    // The parent (or, if the fork failed, nobody: -1) closes its copy of the client's socket;
    // the connection stays open in the child.
    socket_close($client);
}
