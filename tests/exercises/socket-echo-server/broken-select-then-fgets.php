<?php
// Broken on purpose: stream_select says a client is readable, then a blocking fgets waits for its whole line: one half line freezes every client.
// expect: FAIL a half line from one client holds up no other | froze the whole server
$listener = stream_socket_server("tcp://127.0.0.1:25004", $errno, $errstr);
$clients = [];
while (true) {
    $readable = array_merge([$listener], $clients);
    $write = $except = null;
    stream_select($readable, $write, $except, null);
    foreach ($readable as $stream) {
        if ($stream === $listener) {
            $client = stream_socket_accept($listener);
            if ($client) {
                $clients[(int) $client] = $client;
            }
            continue;
        }
        $line = fgets($stream);
        if ($line === false) {
            fclose($stream);
            unset($clients[(int) $stream]);
            continue;
        }
        fwrite($stream, $line);
    }
}
