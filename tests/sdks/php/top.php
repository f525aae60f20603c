<?php
// One TOP API call through the TOP PHP SDK (TopSdk.php, TopClient), unmodified, with format=xml.
//
//   php top.php METHOD PARAMS_JSON
//
// The SDK is found at $TOPSDK_PHP (the folder holding TopSdk.php); the gateway and app come
// from the environment: TOP_URL (the router), TOP_APP_KEY, TOP_APP_SECRET. A param given as
// {"file": PATH} is sent as a multipart file part, the SDK's {type, content} way. The SDK
// reads the XML answer with simplexml_load_string and gives a SimpleXMLElement; this prints
// it as JSON, one line: {"root": NAME, "result": ...}, or {"result": null} when the SDK
// found the answer not well formed.

define("TOP_SDK_WORK_DIR", sys_get_temp_dir() . "/");
require(rtrim(getenv("TOPSDK_PHP"), "/") . "/TopSdk.php");
date_default_timezone_set("Asia/Shanghai"); // the SDK stamps date("Y-m-d H:i:s"); TOP reads GMT+8

// The SDK ships one generated class per API; this is the shape they all have.
class PailitaoTopRequest
{
    private $method;
    private $params;

    public function __construct($method, $params)
    {
        $this->method = $method;
        $this->params = $params;
    }

    public function getApiMethodName() { return $this->method; }
    public function getApiParas() { return $this->params; }
    public function check() {}
}

$params = json_decode($argv[2], true);
foreach ($params as $name => $value) {
    if (is_array($value) && isset($value["file"])) {
        $params[$name] = array("type" => "image/jpeg", "content" => file_get_contents($value["file"]));
    }
}
$client = new TopClient(getenv("TOP_APP_KEY"), getenv("TOP_APP_SECRET"));
$client->gatewayUrl = getenv("TOP_URL");
$client->format = "xml";
$answer = $client->execute(new PailitaoTopRequest($argv[1], $params));
if ($answer instanceof SimpleXMLElement) {
    echo json_encode(array("root" => $answer->getName(), "result" => $answer)), "\n";
} else {
    echo json_encode(array("result" => null, "sdk" => $answer)), "\n";
}
