<?php
// Broken on purpose: one client at a time. While it waits for the first client's next line,
// every other client waits unanswered.
$listener = stream_socket_server("tcp://127.0.0.1:25004", $errno, $errstr);
while (true) {
    $client = stream_socket_accept($listener, -1);
    while (($line = fgets($client)) !== false) {
        fwrite($client, $line);
    }
    fclose($client);
}
