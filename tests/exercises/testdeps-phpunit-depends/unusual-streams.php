<?php
// Correct, in an unusual style: PHP's stream functions instead of socket_*, another key and value, no Line helper.
// expect: PASS
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/** The same chain over PHP's streams, with another key. */
final class KvTest extends TestCase
{
    private const KEY = 'fruit';
    private const VALUE = 'plum';

    /** @return resource */
    public function testConnect()
    {
        $address = getenv('KV_SERVER') ?: '127.0.0.1:25009';
        $stream = stream_socket_client('tcp://' . $address, $code, $message, 2.0);
        $this->assertIsResource($stream, "connect: $message");
        stream_set_timeout($stream, 2);
        return $stream;
    }

    /**
     * @depends testConnect
     * @param resource $stream
     * @return resource
     */
    public function testSend($stream)
    {
        fwrite($stream, sprintf("SET %s %s\n", self::KEY, self::VALUE));
        $this->assertSame("OK\n", fgets($stream));
        return $stream;
    }

    /**
     * @depends testSend
     * @param resource $stream
     */
    public function testReceive($stream): void
    {
        fwrite($stream, 'GET ' . self::KEY . "\n");
        $this->assertSame('VALUE ' . self::VALUE, rtrim((string) fgets($stream)));
    }
}
