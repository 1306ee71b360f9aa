<?php
// Correct but slow: SELECT ... FOR UPDATE, then the payment, then COMMIT: the row stays locked.
// expect: FAIL no row lock held | idle | Commit first
const DSN = 'mysql:host=127.0.0.1;port=25010;dbname=flash_sale';

function pay(int $user, int $order): void
{
    file_get_contents("http://127.0.0.1:25012/pay?user=$user&order=$order");
}

$pdo = new PDO(DSN, 'shop', '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$user = (int) ($_POST['user'] ?? 0);
$product = (int) ($_POST['product'] ?? 0);

$pdo->beginTransaction();
$read = $pdo->prepare('SELECT stock FROM products WHERE id = ? FOR UPDATE');
$read->execute([$product]);
if ((int) $read->fetchColumn() <= 0) {
    $pdo->rollBack();
    http_response_code(409);
    echo "sold out\n";
    return;
}
$pdo->prepare('UPDATE products SET stock = stock - 1 WHERE id = ?')->execute([$product]);
$pdo->prepare('INSERT INTO orders (user, product, created_at) VALUES (?, ?, UNIX_TIMESTAMP(NOW(6)))')
    ->execute([$user, $product]);
$order = (int) $pdo->lastInsertId();
pay($user, $order);
$pdo->commit();
http_response_code(201);
echo "ordered $order\n";
