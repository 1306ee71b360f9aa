<?php
// Buys one item from the flash-sale shop, politely.
//     php buy.php

const SHOP = 'http://127.0.0.1:25008/buy';

/** One POST /buy; returns [status, headers, body as an array]. */
function ask(): array
{
    $context = stream_context_create(['http' => [
        'method' => 'POST',
        'header' => "Content-Type: application/json\r\n",
        'content' => json_encode(['user' => 7, 'product' => 1]),
        'ignore_errors' => true,   // a 4xx answer is an answer too
        'timeout' => 5,
    ]]);
    $body = file_get_contents(SHOP, false, $context);
    $status = (int) explode(' ', $http_response_header[0])[1];
    return [$status, $http_response_header, json_decode($body, true)];
}

[$status, $headers, $body] = ask();
// TODO: 201 → print "ordered <id>"; 409 → print "sold out", stop;
// 429 → wait (Retry-After, or a growing backoff) and try again, five tries at most.
echo $status, ' ', json_encode($body), "\n";
