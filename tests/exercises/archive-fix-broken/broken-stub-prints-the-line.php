<?php
// Broken on purpose: the stub prints the expected line itself and never runs the packed index.php.
// expect: FAIL the stub runs the packed index.php | phar://tool.phar/index.php
$fixed = __DIR__ . '/tool-fixed.phar';
copy(__DIR__ . '/tool.phar', $fixed);
$phar = new Phar($fixed);
unset($phar['build.php']);
$phar->setStub("#!/usr/bin/env php\n<?php\necho \"tool 3.1: all checks passed\\n\";\n__HALT_COMPILER();");
chmod($fixed, 0755);
echo "wrote $fixed\n";
