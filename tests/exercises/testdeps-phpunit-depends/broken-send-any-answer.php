<?php
// Broken on purpose: testSend accepts any answer to SET, an error too.
// expect: FAIL testSend fails against a server that answers SET with ERROR | assertSame('OK'
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class KvTest extends TestCase
{
    public function testConnect(): Socket
    {
        [$host, $port] = explode(':', getenv('KV_SERVER') ?: '127.0.0.1:25009');
        $socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        $this->assertInstanceOf(Socket::class, $socket);
        $this->assertTrue(socket_connect($socket, $host, (int) $port));
        socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
        return $socket;
    }

    /**
     * @depends testConnect
     */
    public function testSend(Socket $socket): Socket
    {
        Line::send($socket, 'SET color blue');
        $this->assertNotSame('', Line::read($socket));
        return $socket;
    }

    /**
     * @depends testSend
     */
    public function testReceive(Socket $socket): void
    {
        Line::send($socket, 'GET color');
        $this->assertSame('VALUE blue', Line::read($socket));
    }
}
