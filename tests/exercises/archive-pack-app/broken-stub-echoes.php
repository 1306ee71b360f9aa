<?php
// Broken on purpose: the stub prints the greeting itself; index.php is packed empty.
// expect: FAIL the stub runs the packed index.php | phar://app.phar/index.php
$archive = __DIR__ . '/../app.phar';
@unlink($archive);
$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();
$phar->addFromString('index.php', "<?php\n");
$phar->addFromString('src/Greeting.php', file_get_contents(__DIR__ . '/src/Greeting.php'));
$phar->setStub("<?php\necho \"Hello from a phar, version 1.2\\n\";\n__HALT_COMPILER();");
$phar->stopBuffering();
