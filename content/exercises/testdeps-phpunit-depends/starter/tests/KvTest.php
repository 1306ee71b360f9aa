<?php
// The test class the checker runs with PHPUnit: see README.md. Run it yourself with `phpunit`.
// 检查器用 PHPUnit 运行的测试类：见 README.zh.md。自己运行：`phpunit`。
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class KvTest extends TestCase
{
    /**
     * Opens the one connection the other tests use, and hands it on by returning it.
     * 打开其余测试共用的那一个连接，并把它返回，交给后面的测试。
     */
    public function testConnect(): Socket
    {
        [$host, $port] = explode(':', getenv('KV_SERVER') ?: '127.0.0.1:25009');
        $socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
        $this->assertInstanceOf(Socket::class, $socket);
        $this->assertTrue(socket_connect($socket, $host, (int) $port));
        // A read waits at most 2 s: a silent server fails the test instead of hanging it.
        // 每次读最多等 2 秒：服务器不说话时测试失败，而不是一直卡住。
        socket_set_option($socket, SOL_SOCKET, SO_RCVTIMEO, ['sec' => 2, 'usec' => 0]);
        return $socket;
    }

    // TODO testSend: @depends testConnect. Take the socket as the parameter, send
    // "SET color blue", assert the answer is "OK", and return the socket.
    // TODO 编写 testSend：@depends testConnect。把套接字作为参数接收，发送 "SET color blue"，
    // 断言回答是 "OK"，再返回这个套接字。

    // TODO testReceive: @depends testSend. On the same socket, send "GET color" and assert
    // the answer is exactly "VALUE blue".
    // TODO 编写 testReceive：@depends testSend。在同一个套接字上发送 "GET color"，
    // 断言回答恰好是 "VALUE blue"。
}
