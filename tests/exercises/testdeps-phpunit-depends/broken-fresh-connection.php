<?php
// Broken on purpose: testSend and testReceive each open a connection of their own, so GET finds nothing SET there.
// expect: FAIL talks on one connection | 3 connections | only testConnect connects
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class KvTest extends TestCase
{
    private function open(): Socket
    {
        [$host, $port] = explode(':', getenv('KV_SERVER') ?: '127.0.0.1:25009');
        $socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        socket_connect($socket, $host, (int) $port);
        socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
        return $socket;
    }

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
    public function testSend(Socket $given): Socket
    {
        $socket = $this->open();
        Line::send($socket, 'SET color blue');
        $this->assertSame('OK', Line::read($socket));
        return $socket;
    }

    /**
     * @depends testSend
     */
    public function testReceive(Socket $given): void
    {
        $socket = $this->open();
        Line::send($socket, 'GET color');
        $this->assertSame('VALUE blue', Line::read($socket));
    }
}
