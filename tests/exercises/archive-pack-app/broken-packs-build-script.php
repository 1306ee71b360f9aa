<?php
// Broken on purpose: packs the whole folder, build.php (and whatever secrets it holds) included.
// expect: FAIL leaves out build.php | exclude it
$archive = __DIR__ . '/../app.phar';
@unlink($archive);
$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();
$phar->buildFromDirectory(__DIR__);
$phar->setStub("<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER();");
$phar->stopBuffering();
