<?php
// Broken on purpose: a new archive written from scratch, whose index.php only prints the line; the tool's own files are gone.
// expect: FAIL keeps the files of tool.phar | lib/Checks.php changed
$fixed = __DIR__ . '/tool-fixed.phar';
@unlink($fixed);
$phar = new Phar($fixed, 0, 'tool.phar');
$phar->startBuffering();
$phar->addFromString('index.php', "<?php\necho \"tool 3.1: all checks passed\\n\";\n");
$phar->addFromString('lib/Checks.php', "<?php\n");
$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('tool.phar');\nrequire 'phar://tool.phar/index.php';\n__HALT_COMPILER();");
$phar->stopBuffering();
chmod($fixed, 0755);
echo "wrote $fixed\n";
