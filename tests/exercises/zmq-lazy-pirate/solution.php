<?php
function connected(ZMQContext $context): ZMQSocket
{
    $socket = $context->getSocket(ZMQ::SOCKET_REQ);
    $socket->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
    $socket->connect("tcp://127.0.0.1:5558");
    return $socket;
}

$context = new ZMQContext();
$client = connected($context);
for ($number = 1; $number <= 10; $number++) {
    for ($try = 1; $try <= 4; $try++) {
        $client->send("request $number");
        $poll = new ZMQPoll();
        $poll->add($client, ZMQ::POLL_IN);
        $readable = $writable = [];
        if ($poll->poll($readable, $writable, 1000) > 0) {
            echo $client->recv(), "\n";
            continue 2;
        }
        $client = connected($context);
    }
    fwrite(STDERR, "no reply to request $number: giving up\n");
    exit(1);
}
