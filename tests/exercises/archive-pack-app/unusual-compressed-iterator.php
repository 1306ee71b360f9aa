<?php
// Correct, in an unusual style: buildFromIterator over a filtered directory walk, every file gzip-compressed, signed with SHA-512.
// expect: PASS
$archive = __DIR__ . '/../app.phar';
@unlink($archive);
$files = new CallbackFilterIterator(
    new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__, FilesystemIterator::SKIP_DOTS)),
    fn (SplFileInfo $file) => $file->getFilename() !== 'build.php'
);
$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();
$phar->buildFromIterator($files, __DIR__);
$phar->compressFiles(Phar::GZ);
$phar->setSignatureAlgorithm(Phar::SHA512);
$phar->setStub("<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER();");
$phar->stopBuffering();
