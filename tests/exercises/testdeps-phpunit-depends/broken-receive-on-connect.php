<?php
// Broken on purpose: testReceive depends on testConnect only, so it still runs when testSend has failed.
// expect: FAIL testSend @depends on testConnect and testReceive on testSend | testReceive has no @depends testSend
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
        $this->assertSame('OK', Line::read($socket));
        return $socket;
    }

    /**
     * @depends testConnect
     */
    public function testReceive(Socket $socket): void
    {
        Line::send($socket, 'GET color');
        $this->assertSame('VALUE blue', Line::read($socket));
    }
}
