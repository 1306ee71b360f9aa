<?php
// Packs the folder this script sits in (the app) into app.phar beside it, runnable by itself.
// Run from the folder above the app: php -d phar.readonly=0 app/build.php
$archive = __DIR__ . '/../app.phar';
if (file_exists($archive)) {
    unlink($archive);   // start afresh: new Phar() would open the old archive and add to it
}

$phar = new Phar($archive, 0, 'app.phar');  // the file, flags, and its alias for phar:// paths
$phar->startBuffering();                    // nothing is written until stopBuffering()
$phar->buildFromDirectory(__DIR__);         // every file of the folder, by its path inside it
$phar->delete('build.php');                 // but not this script: it must not ship
// The stub is the PHP that runs first, and ends with __HALT_COMPILER();. Its first line lets
// ./app.phar run by itself; a stub without it runs as `php app.phar` only:
//     "<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER();"
$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER(); ?>\n");
$phar->stopBuffering();                     // writes the file, signed with SHA-256
chmod($archive, 0755);                      // executable, for ./app.phar
echo "wrote $archive\n";
