<?php
// Broken on purpose: testConnect skips itself when nothing listens, hiding that the server is down.
// expect: FAIL testConnect fails when no server listens | failed or error | skipped | markTestSkipped
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class KvTest extends TestCase
{
    public function testConnect(): Socket
    {
        [$host, $port] = explode(':', getenv('KV_SERVER') ?: '127.0.0.1:25009');
        $socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        $this->assertInstanceOf(Socket::class, $socket);
        if (!@socket_connect($socket, $host, (int) $port)) {
            $this->markTestSkipped('no server');
        }
        $this->assertTrue(true);
        socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
        return $socket;
    }

    /**
     * @depends testConnect
     */
    public function testSend(Socket $socket): Socket
    {
        Line::send($socket, 'SET color blue');
        $this->assertSame('OK', Line::read($socket));
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
