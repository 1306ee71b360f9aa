<?php
// Pays before taking the item: buyers who find it sold out have been charged anyway.
// expect: FAIL each order paid once | charged without an order
const DSN = 'mysql:host=127.0.0.1;port=25010;dbname=flash_sale';

function pay(int $user, int $order): void
{
    file_get_contents("http://127.0.0.1:25012/pay?user=$user&order=$order");
}

$pdo = new PDO(DSN, 'shop', '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$user = (int) ($_POST['user'] ?? 0);
$product = (int) ($_POST['product'] ?? 0);

pay($user, 0);
$pdo->beginTransaction();
$take = $pdo->prepare('UPDATE products SET stock = stock - 1 WHERE id = ? AND stock > 0');
$take->execute([$product]);
if ($take->rowCount() !== 1) {
    $pdo->rollBack();
    http_response_code(409);
    echo "sold out\n";
    return;
}
$pdo->prepare('INSERT INTO orders (user, product, created_at) VALUES (?, ?, UNIX_TIMESTAMP(NOW(6)))')
    ->execute([$user, $product]);
$order = (int) $pdo->lastInsertId();
$pdo->commit();
http_response_code(201);
echo "ordered $order\n";
