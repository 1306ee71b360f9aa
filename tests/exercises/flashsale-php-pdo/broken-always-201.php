<?php
// Guarded, but says 201 whether or not the UPDATE took an item.
// expect: FAIL each 201 is an order | told 201 but has no order
const DSN = 'mysql:host=127.0.0.1;port=25010;dbname=flash_sale';

$pdo = new PDO(DSN, 'shop', '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$user = (int) ($_POST['user'] ?? 0);
$product = (int) ($_POST['product'] ?? 0);

$pdo->beginTransaction();
$take = $pdo->prepare('UPDATE products SET stock = stock - 1 WHERE id = ? AND stock > 0');
$take->execute([$product]);
if ($take->rowCount() === 1) {
    $pdo->prepare('INSERT INTO orders (user, product, created_at) VALUES (?, ?, UNIX_TIMESTAMP(NOW(6)))')
        ->execute([$user, $product]);
    $order = (int) $pdo->lastInsertId();
    $pdo->commit();
    file_get_contents("http://127.0.0.1:25012/pay?user=$user&order=$order");
} else {
    $pdo->rollBack();
}
http_response_code(201);
echo "ordered\n";
