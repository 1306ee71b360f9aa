<?php
// Reference solution: copied over the starter's app/build.php by the tests.

$archive = __DIR__ . '/../app.phar';
if (file_exists($archive)) {
    unlink($archive);
}

$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();
$phar->buildFromDirectory(__DIR__, '/^(?!.*build\.php$).*/');
$phar->setStub("<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER();");
$phar->stopBuffering();
echo "wrote $archive\n";
