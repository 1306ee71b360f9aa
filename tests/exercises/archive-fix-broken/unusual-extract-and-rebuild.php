<?php
// Unusual but right: extracts everything, deletes build.php, builds a new phar from the folder, signs with SHA-512.
// expect: PASS
$scratch = sys_get_temp_dir() . '/fix-' . getmypid();
(new Phar(__DIR__ . '/tool.phar'))->extractTo($scratch, null, true);
unlink("$scratch/build.php");
$fixed = __DIR__ . '/tool-fixed.phar';
if (file_exists($fixed)) {
    unlink($fixed);
}
$phar = new Phar($fixed, 0, 'tool.phar');
$phar->startBuffering();
$phar->buildFromDirectory($scratch);
$stub = "#!/usr/bin/env php\n<?php\nPhar::mapPhar('tool.phar');\nrequire 'phar://tool.phar/index.php';\n__HALT_COMPILER();";
$phar->setStub($stub);
$phar->setSignatureAlgorithm(Phar::SHA512);
$phar->stopBuffering();
chmod($fixed, 0755);
$files = new RecursiveIteratorIterator(
    new RecursiveDirectoryIterator($scratch, FilesystemIterator::SKIP_DOTS),
    RecursiveIteratorIterator::CHILD_FIRST
);
foreach ($files as $file) {
    $file->isDir() ? rmdir($file->getPathname()) : unlink($file->getPathname());
}
rmdir($scratch);
echo "wrote $fixed\n";
