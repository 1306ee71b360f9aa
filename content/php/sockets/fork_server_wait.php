<?php
// The forking server as many notes write it, with a blocking pcntl_wait() in the accept loop:
// it waits for the child just started to end before it accepts the next client, so it serves
// one client at a time, like the blocking server. Kept to try; fork_server.php is the fix.
// Run: php fork_server_wait.php [port]
$port = (int) ($argv[1] ?? 25004);

$listener = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
socket_set_option($listener, SOL_SOCKET, SO_REUSEADDR, 1);
if (!socket_bind($listener, '127.0.0.1', $port)) {
    fwrite(STDERR, "bind 127.0.0.1:$port: " . socket_strerror(socket_last_error($listener)) . "\n");
    exit(1);
}
socket_listen($listener, 128);

while (true) {
    $client = socket_accept($listener);
    if ($client === false) {
        continue;
    }
    if (pcntl_fork() === 0) {
        socket_close($listener);
        $buffer = '';
        while (($data = socket_read($client, 65536, PHP_BINARY_READ)) !== false && $data !== '') {
            $buffer .= $data;
            while (($end = strpos($buffer, "\n")) !== false) {
                socket_write($client, substr($buffer, 0, $end + 1));
                $buffer = substr($buffer, $end + 1);
            }
        }
        exit(0);
    }
    socket_close($client);
    pcntl_wait($status);    // waits here until that child has served its client and ended
}
