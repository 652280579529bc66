package protocol_test

import (
	"fmt"

	"github.com/linkup-chat/linkup/protocol"
)

func Example() {
	cmd, err := protocol.Decode([]byte(`{"type":"send_message","ref":"r1","chat_id":"general","client_msg_id":"m-1","body":"hello"}`))
	fmt.Printf("%s %#v %v\n", cmd.CommandType(), cmd, err == nil)

	_, err = protocol.Decode([]byte(`{"type":"send_message","ref":"r2","chat_id":"general"}`))
	fmt.Println(err.Code, err.Message)

	frame, _ := protocol.Encode(protocol.ErrorFrame{Ref: "r2", Code: err.Code, Message: err.Message})
	fmt.Println(string(frame))
	// Output:
	// send_message protocol.SendMessage{Ref:"r1", ChatID:"general", ClientMsgID:"m-1", Body:"hello"} true
	// invalid_payload client_msg_id is required
	// {"type":"error","ref":"r2","code":"invalid_payload","message":"client_msg_id is required"}
}
