<?php
// Broken on purpose: writes the archive, then ends with exit code 3 (a failed step it ignores).
// expect: FAIL the build finishes | exit code 0
$archive = __DIR__ . '/../app.phar';
@unlink($archive);
$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();
$phar->buildFromDirectory(__DIR__, '/^(?!.*build\.php$).*/');
$phar->setStub("<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER();");
$phar->stopBuffering();
exit(3);
