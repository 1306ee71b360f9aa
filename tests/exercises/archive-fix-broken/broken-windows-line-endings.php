<?php
// Broken on purpose: the alias is mended with str_replace, but the stub keeps its \r\n line endings.
// expect: FAIL starts with a #! line | bad interpreter
$fixed = __DIR__ . '/tool-fixed.phar';
copy(__DIR__ . '/tool.phar', $fixed);
$phar = new Phar($fixed);
unset($phar['build.php']);
$phar->setStub(str_replace('phar://tools.phar/', 'phar://tool.phar/', $phar->getStub()));
chmod($fixed, 0755);
echo "wrote $fixed\n";
