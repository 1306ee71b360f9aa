<?php
// Broken on purpose: everything inside is repaired, but the file never gets its executable bit.
// expect: FAIL is executable | chmod +x
$fixed = __DIR__ . '/tool-fixed.phar';
copy(__DIR__ . '/tool.phar', $fixed);
$phar = new Phar($fixed);
unset($phar['build.php']);
$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('tool.phar');\nrequire 'phar://tool.phar/index.php';\n__HALT_COMPILER();");
echo "wrote $fixed\n";
