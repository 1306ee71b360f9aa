<?php
$port ??= 25004;  // socket-mid-line-server runs this same server on its own port
$listener = stream_socket_server("tcp://127.0.0.1:$port", $errno, $errstr);
if (!$listener) {
    fwrite(STDERR, "cannot listen: $errstr\n");
    exit(1);
}
$clients = [];
$buffers = [];

while (true) {
    $readable = array_merge([$listener], $clients);
    $write = $except = null;
    stream_select($readable, $write, $except, null);
    foreach ($readable as $stream) {
        if ($stream === $listener) {
            $client = stream_socket_accept($listener);
            if ($client) {
                $id = (int) $client;
                $clients[$id] = $client;
                $buffers[$id] = "";
            }
            continue;
        }
        $id = (int) $stream;
        $data = @fread($stream, 65536);
        if ($data === "" || $data === false) {
            fclose($stream);
            unset($clients[$id], $buffers[$id]);
            continue;
        }
        $buffers[$id] .= $data;
        while (($end = strpos($buffers[$id], "\n")) !== false) {
            @fwrite($stream, substr($buffers[$id], 0, $end + 1));
            $buffers[$id] = substr($buffers[$id], $end + 1);
        }
    }
}
