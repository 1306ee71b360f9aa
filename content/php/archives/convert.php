<?php
// The same application as a zip archive PHP still runs, and its files unpacked into a folder.
// Run: php -d phar.readonly=0 convert.php app.phar
$path = $argv[1] ?? 'app.phar';
$phar = new Phar($path);

// A copy in the zip format, beside it (app.phar.zip), that any zip tool can read. PHP gives
// the copy a stub of its own that runs nothing ("zip-based phar archive stub file"), so ours
// is set again: then `php app.phar.zip` runs the same application.
$zip = $phar->convertToExecutable(Phar::ZIP);
$zip->setStub($phar->getStub());
echo 'wrote ', $zip->getPath(), "\n";

// Every file, unpacked under extracted/ (true: overwrite what is there).
$phar->extractTo(dirname($path) . '/extracted', null, true);
echo 'unpacked into ', dirname($path), "/extracted\n";

// And code can use an archive's files without unpacking it:
//     include 'app.phar';                        runs its stub, as php app.phar does
//     require 'phar://app.phar/src/Greeting.php'; one file from inside it
