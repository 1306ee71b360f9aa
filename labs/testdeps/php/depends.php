<?php
// The workbench's helper for reading a PHPUnit suite's dependencies.
//
// PHPUnit runs it as the bootstrap of a `--list-tests-xml` run (so PHPUnit itself finds and
// loads the test files, whichever PHPUnit it is). It first loads the suite's own bootstrap,
// then, once PHPUnit has written its list, reads every listed test's @depends annotations
// (and #[Depends...] attributes on PHPUnit 10 and later, where they count) by Reflection and
// writes one JSON document:
//   {"phpunit": "9.6.7", "tests": [{"class": "ChainTest", "method": "testSend",
//     "data_set": null, "depends": ["ChainTest::testConnect"]}, ...]}
//
// Environment: WORKBENCH_PHPUNIT_CONFIG (the suite's phpunit.xml, or empty),
// WORKBENCH_TEST_LIST (where PHPUnit writes its list), WORKBENCH_DEPENDS_OUT (the JSON).

// `--bootstrap` on the command line replaces the configuration's: load that one first.
$config = getenv('WORKBENCH_PHPUNIT_CONFIG');
if (is_string($config) && $config !== '' && is_file($config)) {
    $settings = simplexml_load_file($config);
    if ($settings !== false && isset($settings['bootstrap'])) {
        $bootstrap = (string) $settings['bootstrap'];
        if ($bootstrap !== '' && $bootstrap[0] !== '/') {
            $bootstrap = dirname($config) . '/' . $bootstrap;
        }
        require_once $bootstrap;
    }
}

register_shutdown_function(static function (): void {
    $list = getenv('WORKBENCH_TEST_LIST');
    $out = getenv('WORKBENCH_DEPENDS_OUT');
    if (!is_string($list) || !is_string($out) || !is_file($list)) {
        return;
    }
    $version = class_exists('PHPUnit\Runner\Version') ? \PHPUnit\Runner\Version::id() : '';
    $attributesCount = (int) $version >= 10;
    $tests = [];
    $xml = simplexml_load_file($list);
    if ($xml === false) {
        return;
    }
    // PHPUnit 9: <testCaseClass name><testCaseMethod name dataSet>;
    // PHPUnit 10+: <testClass name><testMethod name> (data sets in the id, "Class::m#0").
    foreach ($xml->xpath('//*[local-name()="testCaseClass" or local-name()="testClass"]') as $class) {
        $className = (string) $class['name'];
        foreach ($class->children() as $method) {
            $methodName = (string) $method['name'];
            $dataSet = isset($method['dataSet']) ? (string) $method['dataSet'] : null;
            $id = (string) ($method['id'] ?? '');
            if ($dataSet === null && ($hash = strpos($id, '#')) !== false) {
                $dataSet = substr($id, $hash);
            }
            $tests[] = [
                'class' => $className,
                'method' => $methodName,
                'data_set' => $dataSet,
                'depends' => dependsOf($className, $methodName, $attributesCount),
            ];
        }
    }
    file_put_contents($out, json_encode(['phpunit' => $version, 'tests' => $tests]));
});

/** The tests `Class::method` depends on, each as "Class::method". */
function dependsOf(string $className, string $methodName, bool $attributesCount): array
{
    try {
        $method = new ReflectionMethod($className, $methodName);
    } catch (ReflectionException $missing) {
        return [];
    }
    $named = [];
    $comment = $method->getDocComment();
    if (is_string($comment)
        && preg_match_all('/@depends\s+(?:(?:clone|shallowClone|!clone|!shallowClone)\s+)?(\S+)/', $comment, $found)) {
        $named = $found[1];
    }
    if ($attributesCount && PHP_VERSION_ID >= 80000) {
        foreach ($method->getAttributes() as $attribute) {
            $short = substr(strrchr('\\' . $attribute->getName(), '\\'), 1);
            $arguments = $attribute->getArguments();
            if (str_starts_with($short, 'DependsOnClass')) {
                $named[] = $arguments[0] . '::class';
            } elseif (str_starts_with($short, 'DependsExternal')) {
                $named[] = $arguments[0] . '::' . $arguments[1];
            } elseif (str_starts_with($short, 'Depends')) {
                $named[] = $arguments[0];
            }
        }
    }
    $depends = [];
    foreach ($named as $name) {
        $depends[] = str_contains($name, '::') ? ltrim($name, '\\') : $className . '::' . $name;
    }
    return $depends;
}
