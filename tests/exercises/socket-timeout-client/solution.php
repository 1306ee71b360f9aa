<?php
$client = stream_socket_client("tcp://127.0.0.1:25005", $errno, $errstr, 5);
if (!$client) {
    echo "cannot connect: $errstr\n";
    exit(1);
}
stream_set_timeout($client, 2);
fwrite($client, "ping\n");
$answer = fgets($client);
if (stream_get_meta_data($client)["timed_out"]) {
    echo "timeout: no answer from 127.0.0.1:25005 within 2 s\n";
    exit(1);
}
echo $answer;
