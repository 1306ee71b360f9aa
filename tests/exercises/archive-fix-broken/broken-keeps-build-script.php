<?php
// Broken on purpose: the stub and the mode are repaired, but build.php (with its deploy key) still ships.
// expect: FAIL leaves out build.php | build.php is inside
$fixed = __DIR__ . '/tool-fixed.phar';
copy(__DIR__ . '/tool.phar', $fixed);
$phar = new Phar($fixed);
$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('tool.phar');\nrequire 'phar://tool.phar/index.php';\n__HALT_COMPILER();");
chmod($fixed, 0755);
echo "wrote $fixed\n";
