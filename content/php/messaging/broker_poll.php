<?php
// The same broker written with ZMQPoll, as many notes write it: wait until either socket has
// a message, then pass the message (every frame of it) to the other side. It is correct
// ZeroMQ, but on php-zmq 1.1.3 it forwards nothing: that ZMQPoll watches only one of the
// two sockets it was given. Kept to show it; use broker.php.
// Run: php broker_poll.php [frontend] [backend]
$frontend = $argv[1] ?? 'tcp://127.0.0.1:5559';
$backend = $argv[2] ?? 'tcp://127.0.0.1:5560';

$context = new ZMQContext();
$clients = new ZMQSocket($context, ZMQ::SOCKET_ROUTER);
$clients->bind($frontend);
$workers = new ZMQSocket($context, ZMQ::SOCKET_DEALER);
$workers->bind($backend);

$poll = new ZMQPoll();
$poll->add($clients, ZMQ::POLL_IN);
$poll->add($workers, ZMQ::POLL_IN);
$readable = $writable = [];
while (true) {
    $poll->poll($readable, $writable);
    foreach ($readable as $socket) {
        $other = $socket === $clients ? $workers : $clients;
        do {
            $frame = $socket->recv();
            $more = $socket->getSockOpt(ZMQ::SOCKOPT_RCVMORE);
            $other->send($frame, $more ? ZMQ::MODE_SNDMORE : 0);
        } while ($more);
    }
}
