<?php
use PHPUnit\Framework\TestCase;

final class RpcTest extends TestCase
{
    public function testConnect()
    {
        $socket = stream_socket_client('tcp://127.0.0.1:7000', $code, $message, 1);
        $this->assertNotFalse($socket, $message);
        return $socket;
    }

    /**
     * @depends testConnect
     */
    public function testSend($socket)
    {
        $this->assertSame(8, fwrite($socket, "GET 567\n"));
        return $socket;
    }

    /**
     * @depends testSend
     */
    public function testReceive($socket)
    {
        $this->assertSame("VALUE 42\n", fgets($socket));
    }
}
