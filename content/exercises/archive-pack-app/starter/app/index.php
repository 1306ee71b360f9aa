<?php
// The entry: what `php app.phar` runs, through the stub.
require __DIR__ . '/src/Greeting.php';

echo (new Greeting('1.2'))->hello(), "\n";
