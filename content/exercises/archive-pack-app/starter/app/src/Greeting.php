<?php

class Greeting
{
    public function __construct(private string $version)
    {
    }

    public function hello(): string
    {
        // Phar::running() is the archive this code runs from, or "" outside any.
        $where = Phar::running(false) === '' ? 'a folder' : 'a phar';
        return "Hello from $where, version {$this->version}";
    }
}
