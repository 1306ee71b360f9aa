<?php
// Packs this folder into ../app.phar. Run from the folder above app/:
//     php -d phar.readonly=0 app/build.php
// (PHP refuses to create archives unless phar.readonly is off.)

$archive = __DIR__ . '/../app.phar';
if (file_exists($archive)) {
    unlink($archive);
}

$phar = new Phar($archive, 0, 'app.phar');
$phar->startBuffering();

// TODO 1: add every file of this folder (see Phar::buildFromDirectory).

// TODO 2: but not this build script: it must not ship.

// TODO 3: a stub that maps the archive as 'app.phar' and requires index.php from inside it.
//         A stub must end with __HALT_COMPILER();

$phar->stopBuffering();
echo "wrote $archive\n";
