<?php
// Runs once before any test: it teaches PHP where the classes of src/ live, so a test can use
// `Line` without a require. phpunit.xml.dist names it (or: phpunit --bootstrap tests/bootstrap.php).
// 在所有测试之前运行一次：告诉 PHP 去 src/ 里找类，这样测试不用 require 就能用 `Line`。
// phpunit.xml.dist 指定了它（也可以：phpunit --bootstrap tests/bootstrap.php）。
declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $file = __DIR__ . '/../src/' . $class . '.php';
    if (is_file($file)) {
        require $file;
    }
});
