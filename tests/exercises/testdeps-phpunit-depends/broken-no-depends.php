<?php
// Broken on purpose: no @depends; the socket passes through a static property, so nothing is skipped when the server is down.
// expect: FAIL testSend @depends on testConnect | testSend has no @depends testConnect | testReceive has no @depends testSend
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class KvTest extends TestCase
{
    private static ?Socket $socket = null;

    public function testConnect(): Socket
    {
        [$host, $port] = explode(':', getenv('KV_SERVER') ?: '127.0.0.1:25009');
        $socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        $this->assertInstanceOf(Socket::class, $socket);
        $this->assertTrue(socket_connect($socket, $host, (int) $port));
        socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
        self::$socket = $socket;
        return $socket;
    }

    public function testSend(): Socket
    {
        $socket = self::$socket;
        Line::send($socket, 'SET color blue');
        $this->assertSame('OK', Line::read($socket));
        return $socket;
    }

    public function testReceive(): void
    {
        $socket = self::$socket;
        Line::send($socket, 'GET color');
        $this->assertSame('VALUE blue', Line::read($socket));
    }
}
