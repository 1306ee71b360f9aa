<?php
// A subscriber: receives the messages of one topic from a publisher, and prints them.
// Run: php subscriber.php [endpoint] [topic]
$endpoint = $argv[1] ?? 'tcp://127.0.0.1:5563';
$topic = $argv[2] ?? 'B';

$context = new ZMQContext();
$socket = new ZMQSocket($context, ZMQ::SOCKET_SUB);
// A subscription is a prefix of the first frame; without one, nothing arrives at all.
$socket->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, $topic);
$socket->connect($endpoint);    // once per publisher, to hear several
while (true) {
    [$topic, $payload] = $socket->recvMulti();  // one message, both its frames
    echo "$topic $payload\n";
}
