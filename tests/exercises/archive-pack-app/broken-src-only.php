<?php
// Broken on purpose: packs the src folder only, so index.php is missing from the archive.
// expect: FAIL holds index.php | pack the app folder itself
$archive = __DIR__ . '/../app.phar';
@unlink($archive);
$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();
$phar->buildFromDirectory(__DIR__ . '/src');
$phar->setStub("<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER();");
$phar->stopBuffering();
