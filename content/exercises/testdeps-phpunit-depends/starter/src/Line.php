<?php
declare(strict_types=1);

/**
 * One line at a time over a socket, as the key-value server speaks.
 * 在套接字上一次收发一行，正是键值服务器的说话方式。
 */
final class Line
{
    /** Sends `$text` and its "\n", all of it (socket_write may write only a part). */
    public static function send(Socket $socket, string $text): void
    {
        $bytes = $text . "\n";
        while ($bytes !== '') {
            $written = socket_write($socket, $bytes);
            if ($written === false) {
                throw new RuntimeException('send: ' . socket_strerror(socket_last_error($socket)));
            }
            $bytes = substr($bytes, $written);
        }
    }

    /**
     * Reads one line and returns it without its "\n" ('' when the server closed). A byte at a
     * time with PHP_BINARY_READ: PHP_NORMAL_READ ignores SO_RCVTIMEO and would wait forever.
     */
    public static function read(Socket $socket): string
    {
        $line = '';
        while (!str_ends_with($line, "\n")) {
            $byte = socket_read($socket, 1, PHP_BINARY_READ);
            if ($byte === false) {
                throw new RuntimeException('read: ' . socket_strerror(socket_last_error($socket)));
            }
            if ($byte === '') {
                break;
            }
            $line .= $byte;
        }
        return rtrim($line, "\r\n");
    }
}
