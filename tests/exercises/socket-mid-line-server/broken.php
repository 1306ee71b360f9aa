<?php
// Broken on purpose: when a client leaves in the middle of a line, it sends the half line back
// to the client that is gone. To a reset connection that write fails, and with every warning
// made an exception (as many frameworks do), the whole server dies.
set_error_handler(function (int $level, string $message) {
    throw new ErrorException($message, 0, $level);
});
$listener = stream_socket_server("tcp://127.0.0.1:25006", $errno, $errstr);
$clients = [];
$buffers = [];
while (true) {
    $readable = array_merge([$listener], $clients);
    $write = $except = null;
    stream_select($readable, $write, $except, null);
    foreach ($readable as $stream) {
        if ($stream === $listener) {
            $client = stream_socket_accept($listener);
            $clients[(int) $client] = $client;
            $buffers[(int) $client] = "";
            continue;
        }
        $id = (int) $stream;
        $data = fread($stream, 65536);
        if ($data === "" || $data === false) {
            if ($buffers[$id] !== "") {
                fwrite($stream, $buffers[$id] . "\n");
                fwrite($stream, "(your line was cut short)\n");
            }
            fclose($stream);
            unset($clients[$id], $buffers[$id]);
            continue;
        }
        $buffers[$id] .= $data;
        while (($end = strpos($buffers[$id], "\n")) !== false) {
            fwrite($stream, substr($buffers[$id], 0, $end + 1));
            $buffers[$id] = substr($buffers[$id], $end + 1);
        }
    }
}
